"""Data builders: pretraining corpora (``codetune data pretrain``) and SFT sets.

Light on purpose: the steps live in submodules (``pipeline``, ``dedup``, ``decontaminate``,
``filters``, ``sources``, ``packing``) so importing ``codetune.data`` pulls in nothing heavy.
"""
