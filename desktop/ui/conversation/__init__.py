"""The conversation in the centre of the window: messages, Markdown, code blocks, branches."""
