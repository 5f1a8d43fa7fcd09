/**
 * IPv4/IPv6 literal parsing for `cidr` matching. Pure string code: the core package
 * imports nothing from node:, so node:net is not an option here.
 */

const IPV4_OCTET = /^\d{1,3}$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Bytes of an IPv4 (4) or IPv6 (16) literal, or undefined when the text is not one. */
export const parseIpAddress = (text: string): Uint8Array | undefined =>
  text.includes(':') ? parseIpv6(text) : parseIpv4(text);

const parseIpv4 = (text: string): Uint8Array | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!IPV4_OCTET.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
};

const parseIpv6 = (text: string): Uint8Array | undefined => {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!IPV6_GROUP.test(piece)) return undefined;
      out.push(Number.parseInt(piece, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
};

export interface IpRange {
  bottom: Uint8Array;
  top: Uint8Array;
}

const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
};

export const ipInRange = (ip: Uint8Array, range: IpRange): boolean =>
  ip.length === range.bottom.length &&
  compareBytes(ip, range.bottom) >= 0 &&
  compareBytes(ip, range.top) <= 0;

/**
 * Parses `a.b.c.d/n` or `v6/n` into the inclusive range AWS matches. Like AWS, the bottom
 * is the address as written (host bits are not cleared) and the top has the host bits set.
 * Throws a plain Error carrying AWS's reason text.
 */
export const parseCidr = (cidr: string): IpRange => {
  // Java's String.split drops trailing empty strings; mirror that so "1.2.3.4/" is rejected the same way.
  const slashed = cidr.split('/');
  while (slashed.length > 0 && slashed[slashed.length - 1] === '') slashed.pop();
  if (slashed.length !== 2) throw new Error("Malformed CIDR, one '/' required");
  const [ipText, maskText] = slashed as [string, string];
  if (!/^[+-]?\d+$/.test(maskText) || !Number.isSafeInteger(Number(maskText))) {
    throw new Error('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new Error('Malformed CIDR, mask bits must not be negative');
  const ip = parseIpAddress(ipText);
  if (!ip) throw new Error(`Nonstandard IP address: ${ipText}`);
  if (ip.length === 4 && maskBits > 31) throw new Error('IPv4 mask bits must be < 32');
  if (ip.length === 16 && maskBits > 127) throw new Error('IPv6 mask bits must be < 128');
  const top = new Uint8Array(ip);
  let hostBits = ip.length * 8 - maskBits;
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    top[i] = (top[i] as number) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return { bottom: new Uint8Array(ip), top };
};
