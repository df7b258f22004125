"""The computations behind the views, kept free of Flask so they can be tested on their own."""

import re
from collections import Counter

WORD = re.compile(r"[a-z']+")


def count_primes(limit):
    """Number of primes below ``limit`` (sieve of Eratosthenes)."""
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for number in range(2, int(limit**0.5) + 1):
        if sieve[number]:
            for multiple in range(number * number, limit, number):
                sieve[multiple] = 0
    return sum(sieve)


def mandelbrot_rows(size, max_iterations=50):
    """The Mandelbrot set on a ``size`` x ``size`` grid, one string per row ('#' = inside)."""
    rows = []
    for y in range(size):
        imaginary = -1.2 + 2.4 * y / (size - 1)
        row = []
        for x in range(size):
            c = complex(-2.0 + 2.6 * x / (size - 1), imaginary)
            z = 0j
            for _ in range(max_iterations):
                z = z * z + c
                if abs(z) > 2:
                    row.append(".")
                    break
            else:
                row.append("#")
        rows.append("".join(row))
    return rows


def word_frequencies(text, top):
    counts = Counter(WORD.findall(text.lower()))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
