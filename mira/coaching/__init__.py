"""The coaching API's use cases: one module per resource, each taking a session and tenant."""
