"""Learning to Listen (Ng et al., CVPR 2022): a listener-motion VQ-VAE and an autoregressive
cross-modal token predictor, ported to 25-d listener attributes (docs/baselines.md)."""
