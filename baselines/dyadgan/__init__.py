"""DyadGAN (Huang & Khan, CVPRW 2017), level 1 only: a conditional GAN from the speaker's frames to
the listener's, over short windows (docs/baselines.md). Registered as DyadGAN and Huang_C."""
