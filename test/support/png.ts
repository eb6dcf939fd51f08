/**
 * A small PNG decoder for the tests (8-bit RGB or RGBA, not interlaced: what resvg and Chromium's
 * screenshots write), so that a test can look at the pixels of a chart it drew.
 */
import { inflateSync } from 'node:zlib';

export interface Image { width: number; height: number; rgba: Uint8Array }

export function decodePng(bytes: Uint8Array): Image {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8, width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString('latin1', pos + 4, pos + 8), body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      [width, height] = [body.readUInt32BE(0), body.readUInt32BE(4)];
      colorType = body[9]!;
      if (body[8] !== 8 || (colorType !== 2 && colorType !== 6) || body[12] !== 0) throw new Error(`PNG: unsupported format (depth ${body[8]}, colour type ${colorType}, interlace ${body[12]})`);
    } else if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  const ch = colorType === 6 ? 4 : 3, stride = width * ch;
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 4), cur = new Uint8Array(stride), prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!, line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= ch ? cur[i - ch]! : 0, b = prev[i]!, c = i >= ch ? prev[i - ch]! : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1
        : (() => { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); return pa <= pb && pa <= pc ? a : pb <= pc ? b : c; })();
      cur[i] = (line[i]! + pred) & 255;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) out[(y * width + x) * 4 + k] = cur[x * ch + k]!;
      out[(y * width + x) * 4 + 3] = ch === 4 ? cur[x * ch + 3]! : 255;
    }
    prev.set(cur);
  }
  return { width, height, rgba: out };
}

/** The fraction of pixels in the box [x0, x1) × [y0, y1) that are not (nearly) white. */
export function inkFraction(img: Image, x0 = 0, y0 = 0, x1 = img.width, y1 = img.height): number {
  let ink = 0, all = 0;
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) {
      const i = (y * img.width + x) * 4;
      all++;
      if (img.rgba[i]! < 235 || img.rgba[i + 1]! < 235 || img.rgba[i + 2]! < 235) ink++;
    }
  }
  return all ? ink / all : 0;
}
