"""SynthesizRR content sourcing: the passage corpus, retrievers and per-seed retrieval."""

# generate.method values that read retrieved passages; for any other method the
# retrieve_index and retrieve stages write an empty, marked output instead of an index.
METHODS_USING_RETRIEVAL = frozenset({"synthesizrr"})
NO_INDEX = "none"  # meta.json kind of the placeholder index
