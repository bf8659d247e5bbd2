"""faasguard: security for serverless functions across their whole life."""

__version__ = "0.1.0"
