"""Trans-VAE's partial-position layers equal the full torch layers at the positions they compute;
profiles and the registry resolvers agree with the methods' configs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from baselines.transvae.config import make_config, resolved_config, resolved_online_config
from baselines.transvae.model import ReactionDecoder, TailDecoderLayer, TokenReadoutLayer, causal_mask
from react_bench.errors import ReactBenchError
from react_bench.methods import METHODS, get_method


def _copy_attention(dst: nn.MultiheadAttention, src: nn.MultiheadAttention) -> None:
    dst.load_state_dict(src.state_dict())


def test_token_readout_equals_a_full_encoder_layer_at_the_tokens() -> None:
    torch.manual_seed(0)
    full = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True).eval()
    part = TokenReadoutLayer(16, 4, 32, 0.0, 0.0).eval()
    _copy_attention(part.attn, full.self_attn)
    part.ff[0].load_state_dict(full.linear1.state_dict())
    part.ff[3].load_state_dict(full.linear2.state_dict())
    part.norm1.load_state_dict(full.norm1.state_dict())
    part.norm2.load_state_dict(full.norm2.state_dict())
    seq = torch.randn(3, 40, 16)
    torch.testing.assert_close(part(seq, 2), full(seq)[:, :2], rtol=1e-5, atol=1e-5)


def test_tail_decoder_equals_a_full_causal_decoder_layer_at_the_tail() -> None:
    torch.manual_seed(0)
    full = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True).eval()
    part = TailDecoderLayer(16, 4, 32, 0.0, 0.0).eval()
    _copy_attention(part.self_attn, full.self_attn)
    _copy_attention(part.cross_attn, full.multihead_attn)
    part.ff[0].load_state_dict(full.linear1.state_dict())
    part.ff[3].load_state_dict(full.linear2.state_dict())
    for i in (1, 2, 3):
        getattr(part, f"norm{i}").load_state_dict(getattr(full, f"norm{i}").state_dict())
    seq = torch.randn(3, 37, 16)
    ref = full(seq, seq, tgt_mask=causal_mask(37, 37, seq.device))[:, -5:]
    torch.testing.assert_close(part(seq, 5), ref, rtol=1e-5, atol=1e-5)


def test_causal_hint_and_explicit_mask_decode_the_same() -> None:
    torch.manual_seed(0)
    decoder = ReactionDecoder(make_config("smoke")).eval()
    z = torch.randn(2, 16)
    mask = causal_mask(30, 30, z.device)
    h = decoder.layer1(decoder.queries(2, 30), z[:, None], tgt_mask=mask)
    torch.testing.assert_close(decoder(z, 30), decoder.layer2(h, h, tgt_mask=mask), rtol=1e-5, atol=1e-5)
    assert not bool(mask[3, 3]) and bool(mask[3, 4])          # True = may not attend (the future)


def test_profiles_resolvers_and_registry() -> None:
    assert resolved_config("paper")["kl_weight"] == 1e-5 and resolved_online_config("paper")["window"] == 16
    assert resolved_config("smoke") == get_method("TransVAE", profile="smoke").config.to_dict()
    assert resolved_online_config("small") == get_method("TransVAE_online", profile="small").config.to_dict()
    assert "online" in METHODS.entry("TransVAE_online").tags and "online" not in METHODS.entry("TransVAE").tags
    assert get_method("TransVAE_online", profile="smoke").online is True
    assert not getattr(get_method("TransVAE", profile="smoke"), "online", False)
    with pytest.raises(ReactBenchError):
        make_config("smoke", online=False, windw=3)
    with pytest.raises(ReactBenchError):
        make_config("smoke", online=False, online_extra=True)


def test_the_offline_model_refuses_the_online_tracks_fields() -> None:
    """window and lookahead are read by TransVAE_online only: on TransVAE they would be ignored."""
    for key, value in (("lookahead", 3), ("window", 8)):
        with pytest.raises(ReactBenchError, match="online-track fields"):
            get_method("TransVAE", profile="smoke", **{key: value})
        assert getattr(get_method("TransVAE_online", profile="smoke", **{key: value}).config, key) == value


def test_the_look_ahead_is_bounded_by_the_clip() -> None:
    """Past 750 - window frames the first window sees the whole clip: refused, not run as 'online'."""
    online = get_method("TransVAE_online", profile="smoke")
    top = 750 - online.config.window
    assert get_method("TransVAE_online", profile="smoke", lookahead=top).config.lookahead == top
    for bad in (-1, top + 1, 800):
        with pytest.raises(ReactBenchError, match="lookahead must be 0 to"):
            get_method("TransVAE_online", profile="smoke", lookahead=bad)
