"""SynthesizRR content sourcing: the passage corpus, retrievers and per-seed retrieval."""

# For a method whose spec has no ``retrieval`` need, the retrieve_index and retrieve stages
# write an empty, marked output instead of an index.
NO_INDEX = "none"  # meta.json kind of the placeholder index
