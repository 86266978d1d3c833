"""datalint: a data-minimisation linter for platform schemas.

It reads JSON Schema / OpenAPI documents and SQL DDL, and reports fields whose
collection feeds border surveillance of sex workers and migrants.
"""

__version__ = "0.1.0"
