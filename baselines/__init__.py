"""Reproduced methods other than REGNN. Each module registers its methods lazily on import."""

from react_bench.methods import METHODS

_NAIVE = "baselines.naive"
METHODS.register("GT", f"{_NAIVE}:GroundTruth", "the real listener reaction, 10 identical copies",
                 tags=("naive", "reference"))
METHODS.register("B_Random", f"{_NAIVE}:RandomBaseline", "uniform [0,1) on all 25 columns", tags=("naive",))
METHODS.register("B_Mime", f"{_NAIVE}:MimeBaseline", "the speaker's own sequence, 10 copies", tags=("naive",))
METHODS.register("B_MeanSeq", f"{_NAIVE}:MeanSequenceBaseline",
                 "mean (750, 25) sequence over all train speakers and listeners", tags=("naive",))
METHODS.register("B_MeanFr", f"{_NAIVE}:MeanFrameBaseline", "time-mean of B_MeanSeq, constant in time",
                 tags=("naive",))

# Reference rows of the synthetic world: they read its ground truth and are never ranked.
_REFERENCE = "baselines.reference"
METHODS.register("Oracle_style", f"{_REFERENCE}:OracleStyle",
                 "one counterfactual per admissible style, cycled (reads the synthetic ground truth)", tags=("reference",))
METHODS.register("Context_mean", f"{_REFERENCE}:ContextMean",
                 "mean train listener of the true context (reads the synthetic ground truth)", tags=("reference",))
METHODS.register("Ideal_sampler", f"{_REFERENCE}:IdealSampler",
                 "10 real train listeners of the true context (reads the synthetic ground truth)", tags=("reference",))

# Reproduced baselines of the REGNN paper's Table 1 (tag "baseline": they join table1 at run time).
METHODS.register("UNet", "baselines.unet.method:UNetMethod",
                 "1-D temporal U-Net speaker -> listener regressor, L1 to the own listener (deterministic)",
                 tags=("trained", "baseline"), config="baselines.unet.config:resolved_config")
METHODS.register("TransVAE", "baselines.transvae.method:TransVAEMethod",
                 "REACT 2023/24 challenge baseline Trans-VAE (offline): transformer VAE, z from the whole speaker "
                 "clip, causal transformer decoder over 750 time queries, 10 samples from z",
                 tags=("trained", "baseline"), config="baselines.transvae.config:resolved_config")
METHODS.register("TransVAE_online", "baselines.transvae.method:TransVAEOnlineMethod",
                 "Trans-VAE online (window 16): window i sees speaker frames [0, 16(i+1)) and its own past "
                 "windows, run by the online driver", tags=("trained", "baseline", "online"),
                 config="baselines.transvae.config:resolved_online_config")
METHODS.register("Huang_S", "baselines.huang_s.method:HuangSMethod",
                 "Huang et al. 2018 shape GAN (stage 1): InfoGAN-style MLP U-Net over speaker windows, "
                 "10 samples from the continuous + identity code", tags=("trained", "baseline"),
                 config="baselines.huang_s.config:resolved_config")
METHODS.register("DyadGAN", "baselines.dyadgan.method:DyadGANMethod",
                 "DyadGAN (Huang & Khan 2017, level 1): conditional GAN over short windows, condition = speaker "
                 "attributes, 10 samples from z", tags=("trained", "baseline"),
                 config="baselines.dyadgan.config:resolved_config")
# The REGNN table's "Huang et al. (C)": the same class. Not tagged "baseline", so that table1 (which
# lists DyadGAN) does not append it as a second, identical row.
METHODS.register("Huang_C", "baselines.dyadgan.method:DyadGANMethod", "alias of DyadGAN (REGNN's Huang et al. (C))",
                 tags=("trained", "alias"), config="baselines.dyadgan.config:resolved_config")
METHODS.register("L2L", "baselines.l2l.method:L2LMethod",
                 "Learning to Listen (Ng et al. 2022): listener VQ-VAE + autoregressive cross-modal token "
                 "predictor, 10 nucleus-sampled rollouts, cross-faded token windows", tags=("trained", "baseline"),
                 config="baselines.l2l.config:resolved_config",
                 inference_fields=("temperature", "top_p", "crossfade", "reencode_past"))   # = l2l.config.INFERENCE_FIELDS
METHODS.register("BeLFusion", "baselines.belfusion.method:BeLFusionMethod",
                 "BeLFusion (REACT 2024 challenge baseline): GRU VAE over 50-frame listener windows + latent MLP "
                 "diffusion (10 DDIM steps, best-of-10 loss) conditioned on the speaker window; 15 independent "
                 "windows per clip, 10 samples from the diffusion noise", tags=("trained", "baseline"),
                 config="baselines.belfusion.config:resolved_config", inference_fields=("binarize_aus",))
