"""OpenAI-compatible HTTP API (`hearth serve`, and the desktop app's "Local API server").

`create_app(client)` builds the ASGI app around an engine client; `ApiServer` runs it on uvicorn in
a background thread. Requests share the client's FIFO queue with every other user of the model.
"""
