"""The amp chain around the model, as the NAM plugin runs it, in NumPy only (works in Pyodide).

Signal order (:class:`~nam_web.dsp.chain.Chain`): input level → noise-gate detector → model
(resampled when its rate differs from the audio rate) → gate gain → tone stack → cabinet IR →
DC blocker → output level → output safety. Every stage is a streaming float32 processor
(:class:`~nam_web.dsp.base.Processor`) whose output does not depend on how the signal is cut
into blocks.
"""
