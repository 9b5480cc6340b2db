"""The official OpenAI Python SDK against the gateway's /v1/chat/completions (see harness.py)."""
import openai

from harness import API_KEY, BASE_URL, main, status_error

client = openai.OpenAI(base_url=BASE_URL + "/v1", api_key=API_KEY, max_retries=0, timeout=30)
MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is a cache?"}]


def complete():
    raw = client.chat.completions.with_raw_response.create(model="iccache", messages=MESSAGES, max_tokens=16,
                                                          temperature=0.2)
    c = raw.parse()
    return {"id": c.id, "model": c.model, "choices": len(c.choices), "text": c.choices[0].message.content,
            "finish_reason": c.choices[0].finish_reason, "completion_tokens": c.usage.completion_tokens,
            "prompt_tokens": c.usage.prompt_tokens, "x-iccache-model": raw.headers.get("x-iccache-model"),
            "x-iccache-route": raw.headers.get("x-iccache-route")}


def stream():
    text, models, finish, usage = [], set(), None, None
    with client.chat.completions.create(model="sim-small", messages=MESSAGES, max_tokens=16, stream=True,
                                        stream_options={"include_usage": True}) as s:
        for chunk in s:
            models.add(chunk.model)
            if chunk.choices:
                text.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
            if chunk.usage is not None:
                usage = chunk.usage.completion_tokens
    return {"text": "".join(text), "models": sorted(models), "finish_reason": finish, "completion_tokens": usage}


def unknown_model():
    try:
        client.chat.completions.create(model="gpt-17", messages=MESSAGES, max_tokens=16)
    except openai.NotFoundError as e:
        return status_error(e)
    return {"error": None}


def invalid_temperature():
    try:
        client.chat.completions.create(model="sim-small", messages=MESSAGES, max_tokens=16, temperature=5)
    except openai.BadRequestError as e:
        return status_error(e)
    return {"error": None}


if __name__ == "__main__":
    main({"complete": complete, "stream": stream, "unknown_model": unknown_model,
          "invalid_temperature": invalid_temperature})
