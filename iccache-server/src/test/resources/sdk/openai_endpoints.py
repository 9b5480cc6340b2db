"""The official OpenAI Python SDK against /v1/embeddings, /v1/completions and /v1/responses (see harness.py).

The gateway is the test's EchoEndpoints: the bank's embedder, and a backend "up" that answers
"echo: " and what it was sent.
"""
import openai

from harness import API_KEY, BASE_URL, main, status_error

client = openai.OpenAI(base_url=BASE_URL + "/v1", api_key=API_KEY, max_retries=0, timeout=60)
EMBEDDER = "all-minilm-l6-v2-q"
TEXTS = ["What is a cache?", "Where is Paris?"]


def embeddings():
    # Without encoding_format the SDK asks for base64 and decodes it; the second call asks for floats.
    decoded = client.embeddings.create(model=EMBEDDER, input=TEXTS)
    floats = client.embeddings.create(model=EMBEDDER, input=TEXTS, encoding_format="float")
    return {"model": decoded.model, "count": len(decoded.data), "dimensions": len(decoded.data[0].embedding),
            "indexes": [d.index for d in decoded.data],
            # JSON carries the shortest decimal of each float32, which Python reads as a double.
            "max_difference": max(abs(x - y) for a, b in zip(decoded.data, floats.data)
                                  for x, y in zip(a.embedding, b.embedding)),
            "prompt_tokens": decoded.usage.prompt_tokens, "total_tokens": decoded.usage.total_tokens}


def completions():
    whole = client.completions.create(model="up", prompt="a cache", max_tokens=8)
    text = []
    for chunk in client.completions.create(model="up", prompt="a cache", max_tokens=8, stream=True):
        text.extend(c.text for c in chunk.choices)
    return {"whole": whole.choices[0].text, "streamed": "".join(text)}


def responses():
    whole = client.responses.create(model="up", input="Paris")
    deltas, types, final = [], [], None
    with client.responses.create(model="up", input="Paris", stream=True) as s:
        for event in s:
            types.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
            if event.type == "response.completed":
                final = event.response.output_text
    return {"id": whole.id, "whole": whole.output_text, "streamed": "".join(deltas), "final": final,
            "first": types[0], "last": types[-1]}


def errors():
    out = {}
    try:
        client.completions.create(model="iccache", prompt="x")
    except openai.BadRequestError as e:
        out["virtual"] = status_error(e)
    try:
        client.responses.create(model="gpt-17", input="x")
    except openai.NotFoundError as e:
        out["unknown"] = status_error(e)
    try:
        client.embeddings.create(model=EMBEDDER, input=[[1, 2, 3]])
    except openai.BadRequestError as e:
        out["tokens"] = status_error(e)
    return out


if __name__ == "__main__":
    main({"embeddings": embeddings, "completions": completions, "responses": responses, "errors": errors})
