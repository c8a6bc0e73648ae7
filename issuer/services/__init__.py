"""Services: ``verb_noun(session, *, ...)`` functions. They flush, never commit."""
