"""The causal-LM toolkit that the LM students and the tuned teachers share.

* :mod:`synthdistill.lm.gguf_file`: metadata from a GGUF file's header;
* :mod:`synthdistill.lm.model`: load a causal LM (a packaged GGUF dequantized), generate,
  save and load a tuned one;
* :mod:`synthdistill.lm.tuning`: fine-tune on prompt -> completion pairs (LoRA or full);
* :mod:`synthdistill.lm.adapter_gguf`: export a LoRA adapter as a GGUF adapter for llama.cpp.

It depends on no other folder of the library (``teachers``, ``students``, ...), only on
its shared modules (``assets``, ``params``, ``io``, ...); those folders import it. Nothing
is imported here, so reading a GGUF header does not load torch.
"""
