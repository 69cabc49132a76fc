"""The voice agents API's handlers, one module per resource (operationId handlers.voice.*)."""
