"""The request handlers: parse and check a request, queue it on the engine, answer OpenAI style.

Everything a client can get wrong is checked before the request joins the engine's queue, so a
bad request never waits behind good ones and never costs a token of decoding.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from desktop.api.body import read_json_object
from desktop.api.constraints import request_constraint
from desktop.api.embeddings import embeddings
from desktop.api.engine_events import Generation, engine_events, log_done
from desktop.api.errors import ApiError
from desktop.api.logprobs_shape import LogprobsWriter, requested_logprobs
from desktop.api.model_names import model_entry, model_names
from desktop.api.params import (chat_fields, chat_messages, choice_params, completion_fields,
                                completion_prompt, sampling_params)
from desktop.api.responses import ResponseShape, response_events
from desktop.api.responses_request import read_request
from desktop.api.shapes import ChatShape, CompletionShape, Shape, combined, usage
from desktop.api.sse import invalid_json_error, sse_answer
from desktop.api.tools import tool_request
from desktop.chat_messages import ChatMessage
from desktop.engine.client import EngineClient
from desktop.engine.context_policy import answer_room
from desktop.engine.types import Done, EngineFailure, Event, ModelInfo, SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError

# HTTP status for each way the engine can fail a request.
FAILURE_STATUS = {"request": 400, "load": 503, "crash": 503}

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class Endpoints:
    """Handlers bound to one engine client (shared with the desktop app when it runs the server)."""

    def __init__(self, client: EngineClient, extra_names: Sequence[str] = (),
                 embedding_model: str | None = None) -> None:
        self.client = client
        self.extra_names = tuple(extra_names)
        self.embedding_model = embedding_model

    def _model(self) -> ModelInfo:
        info = self.client.model
        if info is None:
            raise ApiError(503, "no model is loaded yet; try again when the app has loaded one",
                           code="model_not_loaded")
        return info

    async def health(self, request: Request) -> Response:
        info = self.client.model
        if info is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ok", "model": model_names(info, self.extra_names)[0]})

    async def list_models(self, request: Request) -> Response:
        info = self._model()
        data = [model_entry(name, info) for name in model_names(info, self.extra_names)]
        return JSONResponse({"object": "list", "data": data})

    async def get_model(self, request: Request) -> Response:
        info = self._model()
        name = request.path_params["name"]
        names = model_names(info, self.extra_names)
        if name not in names:
            raise ApiError(404, f"model '{name}' is not loaded; this server has: {', '.join(names)}",
                           param="model", code="model_not_found")
        return JSONResponse(model_entry(name, info))

    async def chat_completions(self, request: Request) -> Response:
        body = await read_json_object(request)
        fields = chat_fields(body)
        messages = chat_messages(fields["messages"])
        params = sampling_params(fields)
        params.logprobs = requested_logprobs(fields, chat=True)
        constraint = request_constraint(fields)
        info = self._model()
        tooling = tool_request(body, info.tool_tags_are_tokens, constraint)
        tools = None
        if tooling is not None and tooling.constraint is not None:  # tool_choice "none": the format alone
            constraint, tools = tooling.constraint, tooling.tools
        await self._check_fits(info, messages, params, constraint, tools)
        shape = ChatShape(fields.get("model") or model_names(info, self.extra_names)[0], tools=tools is not None,
                          bare_calls=tooling is None or tooling.bare_calls)
        if params.logprobs is not None:
            shape.logprobs = LogprobsWriter(chat=True, constrained=constraint is not None)
        return await self._answer(request, fields, shape,
                                  params, lambda p: self.client.chat(messages, p, constraint, tools))

    async def completions(self, request: Request) -> Response:
        fields = completion_fields(await read_json_object(request))
        prompt = completion_prompt(fields["prompt"])
        params = sampling_params(fields)
        params.logprobs = requested_logprobs(fields, chat=False)
        constraint = request_constraint(fields)
        info = self._model()  # a prompt too long for the context fails in the engine: a 400 too
        shape = CompletionShape(fields.get("model") or model_names(info, self.extra_names)[0])
        if params.logprobs is not None:  # offsets count from the prompt's start, as OpenAI's do
            shape.logprobs = LogprobsWriter(chat=False, constrained=constraint is not None,
                                            text_offset=len(prompt))
        return await self._answer(request, fields, shape,
                                  params, lambda p: self.client.complete(prompt, p, constraint))

    async def responses(self, request: Request) -> Response:
        """/v1/responses (desktop.api.responses): the chat path's engine call, OpenAI's newer shapes."""
        wanted = read_request(await read_json_object(request))
        info = self._model()
        await self._check_fits(info, wanted.messages, wanted.params, wanted.constraint, wanted.tools)
        shape = ResponseShape(wanted.fields, wanted.fields.get("model") or model_names(info, self.extra_names)[0],
                              tools=wanted.tools is not None, bare_calls=wanted.bare_calls)
        events = engine_events(lambda: self.client.chat(wanted.messages, wanted.params, wanted.constraint,
                                                        wanted.tools), request.receive)
        if wanted.fields.get("stream"):
            first = await _first_event(events)
            if first is None:
                return Response(status_code=204)
            return StreamingResponse(_closing_after(response_events(shape, first, events), events),
                                     media_type="text/event-stream", headers=STREAM_HEADERS)
        done = await _final_done(events)
        if done is None or done.finish_reason == "cancelled":
            return Response(status_code=204)
        log_done("response", shape.id, done)
        if done.json_valid is False and done.finish_reason == "stop":
            return JSONResponse(invalid_json_error(done), status_code=500)
        return JSONResponse(shape.whole(done))

    async def embeddings(self, request: Request) -> Response:
        info = self._model()
        name = Path(self.embedding_model).stem if self.embedding_model else model_names(info, self.extra_names)[0]
        return await embeddings(request, self.client, name, self.embedding_model)

    async def _check_fits(self, info: ModelInfo, messages: list[ChatMessage], params: SamplingParams,
                          constraint: Constraint | None, tools: list[dict] | None = None) -> None:
        """400 naming the sizes when the conversation does not fit the context with the engine's
        room for the answer: the engine would drop the oldest turns to make it fit, which suits
        a chat window, but an API client must hear that its prompt is too long instead."""
        try:
            n_prompt = await asyncio.to_thread(self.client.count_tokens, messages, constraint, tools)
        except HearthError as exc:
            raise ApiError(400, str(exc), param="messages")
        room = answer_room(params.max_tokens, info.n_ctx)
        if n_prompt > info.n_ctx - room:
            raise ApiError(400, f"the prompt is {n_prompt} tokens but the model's context is "
                                f"{info.n_ctx} tokens, {room} of them kept for the answer: send less, "
                                "lower max_tokens or start the server with a larger --ctx",
                           param="messages", code="context_length_exceeded")

    async def _answer(self, request: Request, fields: dict[str, Any], shape: Shape, params: SamplingParams,
                      start: Callable[[SamplingParams], Generation]) -> Response:
        """One answer per choice (`n`), run one after another in the engine's queue."""
        def events_for(p: SamplingParams) -> Callable[[], AsyncGenerator[Event, None]]:
            return lambda: engine_events(lambda: start(p), request.receive)

        choices = [events_for(p) for p in choice_params(params, fields.get("n", 1))]
        events = choices[0]()
        if not fields.get("stream"):
            return await _collected(shape, events, choices[1:])
        first = await _first_event(events)
        if first is None:
            return Response(status_code=204)  # the client has gone
        include_usage = bool((fields.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(_closing_after(sse_answer(shape, first, events, include_usage, choices[1:]),
                                                events),
                                 media_type="text/event-stream", headers=STREAM_HEADERS)


async def _first_event(events: AsyncGenerator[Event, None]) -> Event | None:
    """A stream's first event, once the request's turn in the queue comes: None when the client
    has gone meanwhile; a failure before anything was sent is the HTTP error it deserves."""
    first = await anext(events, None)
    if first is None or (isinstance(first, Done) and first.finish_reason == "cancelled"):
        return None
    if isinstance(first, EngineFailure):
        await events.aclose()
        raise _failure_error(first)
    return first


async def _collected(shape: Shape, events: AsyncGenerator[Event, None],
                     more: Sequence[Callable[[], AsyncGenerator[Event, None]]] = ()) -> Response:
    dones: list[Done] = []
    for index, next_events in enumerate([lambda: events, *more]):
        done = await _final_done(next_events())
        if done is None or done.finish_reason == "cancelled":
            return Response(status_code=204)  # the client has gone: nobody reads an answer
        log_done(shape.object_name, shape.id, done)
        if done.json_valid is False and done.finish_reason == "stop":
            return JSONResponse(invalid_json_error(done), status_code=500)
        dones.append(done)
    answers = [shape.for_choice(i).whole(done) for i, done in enumerate(dones)]
    whole = answers[0]
    whole["choices"] = [choice for answer in answers for choice in answer["choices"]]
    whole["usage"] = usage(combined(dones))
    return JSONResponse(whole)


async def _final_done(events: AsyncGenerator[Event, None]) -> Done | None:
    """Read an answer's events to its end: its Done (None if it never came); a failure raises."""
    done: Done | None = None
    async with aclosing(events):
        async for event in events:
            if isinstance(event, EngineFailure):
                raise _failure_error(event)
            if isinstance(event, Done):
                done = event
    return done


async def _closing_after(stream: AsyncGenerator[str, None],
                         events: AsyncGenerator[Event, None]) -> AsyncIterator[str]:
    """`stream`'s items; the engine events are closed (and the generation cancelled) however
    the stream ends, including the server cancelling it when the client disconnects."""
    async with aclosing(events), aclosing(stream):
        async for item in stream:
            yield item


def _failure_error(failure: EngineFailure) -> ApiError:
    return ApiError(FAILURE_STATUS.get(failure.kind, 503), failure.message, code=f"engine_{failure.kind}")
