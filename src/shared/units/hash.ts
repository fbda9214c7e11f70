// Units are content-addressed, as in fleet: the registry key is the SHA1 of the unit's text.

import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** SHA1 (lowercase hex) of the UTF-8 encoding of the unit's content. */
export function unitHash(content: string): string {
  return bytesToHex(sha1(utf8ToBytes(content)));
}

/** The 7 characters `fleetctl list-unit-files` shows in its HASH column. */
export function shortHash(hash: string): string {
  return hash.slice(0, 7);
}
