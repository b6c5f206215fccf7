"""synthdistill: teacher LLM -> labelled data -> small specialist models, as a DVC pipeline."""
