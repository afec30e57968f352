"""Domain core: understanding messages, ticket workflow, commands and queries."""
