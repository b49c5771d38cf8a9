"""A PNG reader for the report's rendering test (8-bit RGB or RGBA, not
interlaced: what Chromium's screenshots are), standard library only, and
the two questions the test asks of an image."""
import struct
import zlib


def read(path):
    """(width, height, rows): rows of bytes, 3 or 4 bytes a pixel."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, head = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, ctype, _, _, interlace = head
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        base = y * (stride + 1)
        kind = raw[base]
        line = bytearray(raw[base + 1:base + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        elif kind != 0:
            raise ValueError(f"{path}: bad filter {kind} in row {y}")
        rows.append(bytes(line))
        prev = line
    return width, height, [(r, bpp) for r in rows]


def colours(image):
    """{(r, g, b): number of pixels}."""
    counts = {}
    for row, bpp in image[2]:
        for px in zip(row[0::bpp], row[1::bpp], row[2::bpp]):
            counts[px] = counts.get(px, 0) + 1
    return counts


def components(image, wanted):
    """{colour: the number of 4-connected regions of exactly that colour},
    for each colour of wanted; regions under 20 pixels are left out
    (anti-aliased text can hit a colour by chance)."""
    width, height, rows = image
    label_of = {c: i + 1 for i, c in enumerate(wanted)}
    grid = [bytearray(label_of.get(px, 0) for px in zip(row[0::bpp], row[1::bpp], row[2::bpp]))
            for row, bpp in rows]
    counts = {c: 0 for c in wanted}
    colour_of = {i: c for c, i in label_of.items()}
    for y in range(height):
        line = grid[y]
        x = 0
        while True:
            while x < width and not line[x]:
                x += 1
            if x >= width:
                break
            label = line[x]
            size, stack = 0, [(x, y)]
            line[x] = 0
            while stack:
                cx, cy = stack.pop()
                size += 1
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if 0 <= nx < width and 0 <= ny < height and grid[ny][nx] == label:
                        grid[ny][nx] = 0
                        stack.append((nx, ny))
            if size >= 20:
                counts[colour_of[label]] += 1
    return counts
