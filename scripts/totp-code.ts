// Prints the current authenticator code for a base32 secret, so the demo's 2FA account can be tried
// without a phone: `npm run totp -- CNJW5PUQ3ARXF37NFCAO23RDL3LZ7TIO`.
import { generate } from 'otplib';

const secret = process.argv[2];
if (!secret || !/^[A-Z2-7]{16,}$/.test(secret)) {
  process.stderr.write('usage: npm run totp -- <BASE32 SECRET>\n');
  process.exit(2);
}
const now = Date.now();
const code = await generate({ secret, epoch: Math.floor(now / 1000) });
const left = 30 - (Math.floor(now / 1000) % 30);
process.stdout.write(`${code}  (valid for ${left} more seconds)\n`);
