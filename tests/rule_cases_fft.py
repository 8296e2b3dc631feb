"""Rows for the rules of np.fft (rules/fft_rules.py): real losses of real inputs through complex
transforms (|F x|², Re and Im parts, filters), each transform with its n / s, axis / axes and norm.

Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py.
"""

from __future__ import annotations

import numpy as np

from tests.rule_cases_more import normal

W8 = np.linspace(0.5, 1.5, 8)
H = np.exp(1j * np.linspace(0.0, 2.0, 8)) * np.linspace(1.0, 0.2, 8)  # a complex filter


def fft_power(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2 * W8)


def fft_parts(x):
    z = np.fft.fft(x)
    return np.sum(np.sin(np.real(z)) * W8) + np.sum(np.cos(z.imag))


def fft_pad(x):
    return np.sum(np.abs(np.fft.fft(x, n=8)) * W8)


def fft_cut(x):
    return np.sum(np.real(np.fft.fft(x, 4, axis=0)) ** 2)


def fft_ortho_axis0(x):
    return np.sum(np.abs(np.fft.fft(x, axis=0, norm="ortho")) ** 3)


def fft_twice(x):
    return np.sum(np.sin(np.abs(np.fft.fft(np.fft.fft(x) * H))))


def ifft_filter(x):
    return np.sum(np.sin(np.real(np.fft.ifft(np.fft.fft(x) * H))))


def ifft_forward_norm(x):
    return np.sum(np.abs(np.fft.ifft(x, norm="forward")) * W8)


def ifft_of_real(x):
    z = np.fft.ifft(x, n=10)
    return np.sum(np.real(z) ** 2 - z.imag * np.arange(10.0))


def rfft_power(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2 * W8[:5])


def rfft_pad_axis(x):
    return np.sum(np.sin(np.abs(np.fft.rfft(x, n=7, axis=0))))


def rfft_ortho(x):
    z = np.fft.rfft(x, norm="ortho")
    return np.sum(np.real(z) * W8[:4] + z.imag**2)


def irfft_filter(x):
    return np.sum(np.sin(np.fft.irfft(np.fft.rfft(x) * H[:5])) * W8)


def irfft_odd_n(x):
    return np.sum(np.sin(np.fft.irfft(np.fft.rfft(x) * H[:5], n=9)))


def irfft_cut(x):
    return np.sum(np.sin(np.fft.irfft(np.fft.fft(x) * H, n=6, norm="ortho")))


def irfft_of_real(x):
    return np.sum(np.sin(np.fft.irfft(x, norm="forward")) * W8)


def fft2_power(x):
    return np.sum(np.abs(np.fft.fft2(x)) ** 2 * np.arange(12.0).reshape(3, 4))


def fft2_s(x):
    return np.sum(np.abs(np.fft.fft2(x, s=(4, 3))))


def ifft2_filter(x):
    return np.sum(np.sin(np.real(np.fft.ifft2(np.fft.fft2(x) * H[:4]))))


def fftn_axes(x):
    return np.sum(np.abs(np.fft.fftn(x, axes=(0, 2), norm="ortho")) ** 2 * np.arange(24.0).reshape(2, 3, 4))


def fftn_s(x):
    return np.sum(np.sin(np.abs(np.fft.fftn(x, s=(5, 2)))))


def ifftn_all(x):
    return np.sum(np.sin(np.real(np.fft.ifftn(np.fft.fftn(x) * H[:4]))))


def rfftn_all(x):
    return np.sum(np.abs(np.fft.rfftn(x)) ** 2 * np.arange(9.0).reshape(3, 3))


def rfftn_axes_s(x):
    return np.sum(np.sin(np.abs(np.fft.rfftn(x, s=(2, 6), axes=(0, 2)))))


def irfftn_filter(x):
    return np.sum(np.sin(np.fft.irfftn(np.fft.rfftn(x) * H[:3])) * np.arange(12.0).reshape(3, 4))


def irfftn_s(x):
    return np.sum(np.sin(np.fft.irfftn(np.fft.rfftn(x) * H[:3], s=(3, 5))))


def rfft2_of(x):
    return np.sum(np.abs(np.fft.rfft2(x, norm="forward")))


def irfft2_of(x):
    return np.sum(np.sin(np.fft.irfft2(np.fft.rfft2(x) * H[:3], s=(4, 4))))


def fftshift_of(x):
    return np.sum(np.sin(np.fft.fftshift(x)) * np.arange(12.0).reshape(3, 4))


def ifftshift_axes(x):
    return np.sum(np.sin(np.fft.ifftshift(x, axes=1)) * np.arange(15.0).reshape(3, 5))


def shifted_spectrum(x):
    return np.sum(np.abs(np.fft.fftshift(np.fft.fft(x))) * W8)


FFT_CASES = [
    ("np.fft.fft:power", fft_power, [normal(8)], 0),
    ("np.fft.fft:parts", fft_parts, [normal(8)], 0),
    ("np.fft.fft:pad", fft_pad, [normal(5)], 0),
    ("np.fft.fft:cut_axis0", fft_cut, [normal(6, 2)], 0),
    ("np.fft.fft:ortho_axis0", fft_ortho_axis0, [normal(4, 3)], 0),
    ("np.fft.fft:complex_input", fft_twice, [normal(8)], 0),
    ("np.fft.ifft:filter", ifft_filter, [normal(8)], 0),
    ("np.fft.ifft:forward_norm", ifft_forward_norm, [normal(8)], 0),
    ("np.fft.ifft:real_input_n", ifft_of_real, [normal(7)], 0),
    ("np.fft.rfft:power", rfft_power, [normal(8)], 0),
    ("np.fft.rfft:pad_axis0", rfft_pad_axis, [normal(5, 2)], 0),
    ("np.fft.rfft:ortho_odd", rfft_ortho, [normal(7)], 0),
    ("np.fft.irfft:filter", irfft_filter, [normal(8)], 0),
    ("np.fft.irfft:odd_n", irfft_odd_n, [normal(8)], 0),
    ("np.fft.irfft:cut", irfft_cut, [normal(8)], 0),
    ("np.fft.irfft:real_input", irfft_of_real, [normal(5)], 0),
    ("np.fft.fft2:power", fft2_power, [normal(3, 4)], 0),
    ("np.fft.fft2:s", fft2_s, [normal(3, 4)], 0),
    ("np.fft.ifft2:filter", ifft2_filter, [normal(3, 4)], 0),
    ("np.fft.fftn:axes", fftn_axes, [normal(2, 3, 4)], 0),
    ("np.fft.fftn:s", fftn_s, [normal(2, 3, 4)], 0),
    ("np.fft.ifftn:filter", ifftn_all, [normal(3, 4)], 0),
    ("np.fft.rfftn", rfftn_all, [normal(3, 4)], 0),
    ("np.fft.rfftn:axes_s", rfftn_axes_s, [normal(3, 2, 5)], 0),
    ("np.fft.irfftn:filter", irfftn_filter, [normal(3, 4)], 0),
    ("np.fft.irfftn:s", irfftn_s, [normal(3, 4)], 0),
    ("np.fft.rfft2", rfft2_of, [normal(3, 4)], 0),
    ("np.fft.irfft2:s", irfft2_of, [normal(3, 4)], 0),
    ("np.fft.fftshift", fftshift_of, [normal(3, 4)], 0),
    ("np.fft.ifftshift:axes", ifftshift_axes, [normal(3, 5)], 0),
    ("np.fft.fftshift:spectrum", shifted_spectrum, [normal(8)], 0),
]


# every keyword of every transform passed once (the rule matrix checks it)


def ifft_all_keywords(x):
    return np.sum(np.abs(np.fft.ifft(x, n=6, axis=0, norm="ortho")) * np.arange(12.0).reshape(6, 2))


def irfft_all_keywords(x):
    return np.sum(np.sin(np.fft.irfft(np.fft.rfft(x, axis=0), n=5, axis=0, norm="ortho")))


def fftn_all_keywords(x):
    return np.sum(
        np.abs(np.fft.ifftn(np.fft.fftn(x, s=(3, 4), axes=(0, 1), norm="forward"), s=(2, 4), axes=(0, 1), norm="ortho"))
    )


def rfftn_all_keywords(x):
    z = np.fft.rfftn(x, s=(4, 4), axes=(0, 1), norm="ortho")
    return np.sum(np.sin(np.fft.irfftn(z * H[:3], s=(4, 5), axes=(0, 1), norm="forward")))


def fft2_all_keywords(x):
    z = np.fft.fft2(x, s=(3, 5), axes=(1, 0), norm="ortho")
    return np.sum(np.abs(np.fft.ifft2(z * H[:3], s=(4, 3), axes=(0, 1), norm="backward")))


def rfft2_all_keywords(x):
    z = np.fft.rfft2(x, s=(3, 4), axes=(0, 1), norm="forward")
    return np.sum(np.sin(np.fft.irfft2(z * H[:3], s=(3, 4), axes=(0, 1), norm="forward")))


def fftshift_axes(x):
    return np.sum(np.sin(np.fft.fftshift(x, axes=(0,))) * np.arange(12.0).reshape(3, 4))


FFT_CASES += [
    ("np.fft.ifft:all_keywords", ifft_all_keywords, [normal(5, 2)], 0),
    ("np.fft.irfft:all_keywords", irfft_all_keywords, [normal(6, 2)], 0),
    ("np.fft.fftn:all_keywords", fftn_all_keywords, [normal(3, 4)], 0),
    ("np.fft.rfftn:all_keywords", rfftn_all_keywords, [normal(3, 4)], 0),
    ("np.fft.fft2:all_keywords", fft2_all_keywords, [normal(4, 3)], 0),
    ("np.fft.rfft2:all_keywords", rfft2_all_keywords, [normal(3, 4)], 0),
    ("np.fft.fftshift:axes", fftshift_axes, [normal(3, 4)], 0),
]
