#!/usr/bin/env python3
"""Renders a terminal screen captured with `tmux capture-pane -e -p` (text with SGR colour escapes) to PNG.

    python3 ansi2png.py SCREEN.ansi OUT.png [--columns 120] [--font /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf]

Needs Pillow. Understands the SGR codes a terminal program uses: reset, bold, reverse, underline (drawn red, as
diagnostics are), the 16 and 256
colour palettes and 24-bit colour, for foreground and background.
"""
import argparse, re
from PIL import Image, ImageDraw, ImageFont

BASE16 = [(0x1d, 0x1f, 0x21), (0xcc, 0x34, 0x2b), (0x19, 0x8c, 0x44), (0xfb, 0xa9, 0x22), (0x39, 0x71, 0xed),
          (0xa3, 0x6a, 0xc7), (0x39, 0x71, 0xed), (0xc5, 0xc8, 0xc6), (0x96, 0x98, 0x96), (0xcc, 0x34, 0x2b),
          (0x19, 0x8c, 0x44), (0xfb, 0xa9, 0x22), (0x39, 0x71, 0xed), (0xa3, 0x6a, 0xc7), (0x39, 0x71, 0xed),
          (0xff, 0xff, 0xff)]
DEFAULT_FG, DEFAULT_BG = (0xd0, 0xd0, 0xd0), (0x1c, 0x1c, 0x1c)


def palette(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def parse(text, columns):
    """Lines of cells (char, fg, bg, bold, underline)."""
    screen = []
    for raw in text.split("\n"):
        fg, bg, bold, reverse, underline = None, None, False, False, False
        cells = []
        i = 0
        while i < len(raw):
            m = re.match(r"\x1b\[([0-9;:]*)m", raw[i:])
            if m:
                codes = [int(c) if c else 0 for c in re.split("[;:]", m.group(1))] or [0]
                k = 0
                while k < len(codes):
                    c = codes[k]
                    if c == 0: fg, bg, bold, reverse, underline = None, None, False, False, False
                    elif c == 4: underline = True
                    elif c == 24: underline = False
                    elif c == 1: bold = True
                    elif c == 22: bold = False
                    elif c == 7: reverse = True
                    elif c == 27: reverse = False
                    elif 30 <= c <= 37: fg = palette(c - 30)
                    elif 90 <= c <= 97: fg = palette(c - 90 + 8)
                    elif 40 <= c <= 47: bg = palette(c - 40)
                    elif 100 <= c <= 107: bg = palette(c - 100 + 8)
                    elif c == 39: fg = None
                    elif c == 49: bg = None
                    elif c in (38, 48) and k + 1 < len(codes):
                        if codes[k + 1] == 5 and k + 2 < len(codes):
                            color = palette(codes[k + 2]); k += 2
                        elif codes[k + 1] == 2 and k + 4 < len(codes):
                            color = tuple(codes[k + 2:k + 5]); k += 4
                        else:
                            color = None
                        if c == 38: fg = color
                        else: bg = color
                    k += 1
                i += m.end()
                continue
            m = re.match(r"\x1b[^a-zA-Z]*[a-zA-Z]", raw[i:])
            if m:
                i += m.end()
                continue
            f, b = fg or DEFAULT_FG, bg or DEFAULT_BG
            if reverse: f, b = b, f
            cells.append((raw[i], f, b, bold, underline))
            i += 1
        screen.append(cells[:columns])
    while screen and not screen[-1]:
        screen.pop()
    return screen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("screen")
    ap.add_argument("out")
    ap.add_argument("--columns", type=int, default=120)
    ap.add_argument("--font", default="/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    ap.add_argument("--bold-font", default="/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
    ap.add_argument("--size", type=int, default=15)
    args = ap.parse_args()
    screen = parse(open(args.screen, encoding="utf-8", errors="replace").read(), args.columns)
    font = ImageFont.truetype(args.font, args.size)
    bold = ImageFont.truetype(args.bold_font, args.size)
    left, top, right, bottom = font.getbbox("M")
    cw = round(font.getlength("M"))
    ch = round(args.size * 1.3)
    pad = 12
    img = Image.new("RGB", (args.columns * cw + 2 * pad, len(screen) * ch + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for y, cells in enumerate(screen):
        for x, (c, fg, bg, b, u) in enumerate(cells):
            x0, y0 = pad + x * cw, pad + y * ch
            if bg != DEFAULT_BG:
                draw.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=bg)
            if c != " ":
                draw.text((x0, y0 + (ch - args.size) // 2 - 1), c, font=bold if b else font, fill=fg)
            if u:
                draw.line([x0, y0 + ch - 2, x0 + cw - 1, y0 + ch - 2], fill=(0xff, 0x5f, 0x5f), width=2)
    img.save(args.out)


if __name__ == "__main__":
    main()
