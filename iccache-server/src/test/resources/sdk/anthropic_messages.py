"""The official Anthropic Python SDK against the gateway's /v1/messages (see harness.py)."""
import anthropic

from harness import API_KEY, BASE_URL, main, status_error

client = anthropic.Anthropic(base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=30)
QUESTION = [{"role": "user", "content": "What is a cache?"}]


def message(m):
    return {"id": m.id, "type": m.type, "role": m.role, "model": m.model,
            "content": [b.model_dump() for b in m.content], "stop_reason": m.stop_reason,
            "stop_sequence": m.stop_sequence, "input_tokens": m.usage.input_tokens,
            "output_tokens": m.usage.output_tokens}


def complete():
    raw = client.messages.with_raw_response.create(model="sim-large", max_tokens=64, system="You are terse.",
                                                   messages=QUESTION, stop_sequences=["\n\n\n"],
                                                   metadata={"user_id": "user-1"})
    return {"message": message(raw.parse()), "x-iccache-model": raw.headers.get("x-iccache-model"),
            "x-iccache-route": raw.headers.get("x-iccache-route")}


def stream():
    events, text = [], []
    with client.messages.stream(model="sim-small", max_tokens=24, system="You are terse.", messages=QUESTION) as s:
        for event in s:
            if event.type not in events:
                events.append(event.type)
            if event.type == "text":
                text.append(event.text)
        final = s.get_final_message()
    return {"events": events, "text": "".join(text), "message": message(final)}


def conversation():
    """Three turns with the 'echo' backend, each reply sent back as the SDK returned it; the last one streamed."""
    history, replies = [], []
    for turn, question in enumerate(["My name is Ada.", "What is my name?", "Spell it."]):
        history.append({"role": "user", "content": question})
        if turn < 2:
            reply = client.messages.create(model="echo", max_tokens=32, system="Remember names.", messages=history)
        else:
            with client.messages.stream(model="echo", max_tokens=32, system="Remember names.", messages=history) as s:
                reply = s.get_final_message()
        history.append({"role": "assistant", "content": reply.content})
        replies.append(message(reply))
    return {"replies": replies}


def unknown_model():
    try:
        client.messages.create(model="claude-17", max_tokens=16, messages=QUESTION)
    except anthropic.NotFoundError as e:
        return status_error(e)
    return {"error": None}


def unsupported_block():
    try:
        client.messages.create(model="sim-small", max_tokens=16, messages=[{"role": "user", "content": [
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "A cache."}}]}])
    except anthropic.BadRequestError as e:
        return status_error(e)
    return {"error": None}


def stream_cut():
    """The 'echo' backend cuts this stream after its first chunk: the SDK raises the gateway's error event."""
    text = []
    try:
        with client.messages.stream(model="echo", max_tokens=32, messages=[{"role": "user", "content": "cut"}]) as s:
            for t in s.text_stream:
                text.append(t)
    except anthropic.APIStatusError as e:
        result = status_error(e)
        result["text"] = "".join(text)
        return result
    return {"error": None, "text": "".join(text)}


if __name__ == "__main__":
    main({"complete": complete, "stream": stream, "conversation": conversation, "unknown_model": unknown_model,
          "unsupported_block": unsupported_block, "stream_cut": stream_cut})
