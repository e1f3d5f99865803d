// Prints the scrypt hashes the demo directory keeps for owner identification (ACCOUNTS_FILE):
//   npm run owner:hash -- card 4242 28013   → paymentDetailsHash (last four digits and billing postal code)
//   npm run owner:hash -- answer 'Luna'      → securityQuestion.answerHash (case, accents and spaces ignored)
// The values are normalised exactly as the bot normalises what the person types.
import { isCardLast4, isPostalCode, normalisePostalCode, normaliseSecurityAnswer, paymentDetailsSecret } from '../src/services/account-directory.js';
import { hashPassword } from '../src/services/passwords.js';

const [kind, ...rest] = process.argv.slice(2);
const usage = () => {
  process.stderr.write("usage: npm run owner:hash -- card <last four digits> <postal code> | answer '<answer>'\n");
  process.exit(2);
};

if (kind === 'card') {
  const [cardLast4 = '', postal = ''] = rest;
  const postalCode = normalisePostalCode(postal);
  if (!isCardLast4(cardLast4) || !isPostalCode(postalCode)) usage();
  process.stdout.write(`${await hashPassword(paymentDetailsSecret({ cardLast4, postalCode }))}\n`);
} else if (kind === 'answer' && rest.join(' ').trim()) {
  process.stdout.write(`${await hashPassword(normaliseSecurityAnswer(rest.join(' ')))}\n`);
} else {
  usage();
}
