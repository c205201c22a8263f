/** SOPS decryption as Kluctl does it during render (age and PGP keys; the MAC is not checked). */
export { SopsDecryptor, SopsKeyNeeded, withSopsKeys, type Decrypted } from './decryptor.js';
export { SopsError } from './errors.js';
export { sopsFormatForPath, type SopsFormat } from './format.js';
