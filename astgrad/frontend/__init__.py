"""The front end: a user function's source, verified against the code that runs (parse.py), its
free names resolved and the facts generated code relies on recorded (context.py, assumptions.py,
callables.py), and lowered to A-normal form (normalize/)."""
