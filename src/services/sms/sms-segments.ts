// How many SMS segments a text costs: GSM-7 (160 septets, 153 per part when split) when every character
// is in the GSM 03.38 basic set or its extension table, otherwise UCS-2 (70 UTF-16 units, 67 per part).
// One accented letter outside GSM-7 (á, í, ó, ú, ’) turns the whole message into UCS-2.

/** GSM 03.38 basic character set (one septet each). */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** Extension table: each costs an escape septet plus itself. */
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
  /** Characters that forced UCS-2, so copy writers know what to replace. */
  nonGsmCharacters: string[];
}

export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  const nonGsm = new Set<string>();
  for (const char of text) {
    if (GSM7_BASIC.has(char)) septets += 1;
    else if (GSM7_EXTENSION.has(char)) septets += 2;
    else nonGsm.add(char);
  }
  if (nonGsm.size === 0) {
    return { encoding: 'GSM-7', units: septets, segments: count(septets, 160, 153), nonGsmCharacters: [] };
  }
  // UCS-2 counts UTF-16 code units: an emoji outside the BMP takes two.
  return { encoding: 'UCS-2', units: text.length, segments: count(text.length, 70, 67), nonGsmCharacters: [...nonGsm] };
}

function count(units: number, single: number, perPart: number): number {
  if (units === 0) return 1;
  return units <= single ? 1 : Math.ceil(units / perPart);
}
