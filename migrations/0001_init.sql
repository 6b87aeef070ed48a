-- The schema's first version: nothing but what the service itself needs to run.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
