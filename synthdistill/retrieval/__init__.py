"""SynthesizRR content sourcing: the passage corpus, retrievers and per-seed retrieval."""
