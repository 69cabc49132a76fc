"""The HTTP edge: one module per resource, each function named after its operationId's tail."""
