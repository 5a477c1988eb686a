/**
 * User agent -> browser, OS and device type with ua-parser-js 1.0.x (MIT; 2.x is AGPL, never upgrade).
 */
import UAParser from 'ua-parser-js';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'pos' | 'other';

export interface UaInfo {
  browserName?: string;
  browserVersion?: string;
  osName?: string;
  osVersion?: string;
  deviceType?: DeviceType;
}

const BOT = /bot|crawler|spider|crawling|headless/i;

export function parseUserAgent(ua: string | undefined): UaInfo {
  if (!ua) return {};
  const r = new UAParser(ua).getResult();
  let deviceType: DeviceType;
  switch (r.device.type) {
    case 'mobile':
    case 'wearable':
      deviceType = 'mobile';
      break;
    case 'tablet':
      deviceType = 'tablet';
      break;
    case undefined:
      // ua-parser leaves desktops untyped; bots and unknown strings are not desktops.
      deviceType = BOT.test(ua) || (!r.os.name && !r.browser.name) ? 'other' : 'desktop';
      break;
    default:
      deviceType = 'other';
  }
  const out: UaInfo = { deviceType };
  if (r.browser.name) out.browserName = r.browser.name;
  if (r.browser.version) out.browserVersion = r.browser.version;
  if (r.os.name) out.osName = r.os.name;
  if (r.os.version) out.osVersion = r.os.version;
  return out;
}

/** context.device.type as SDKs send it (ios, android, mobile, tablet, pos...) -> DeviceType. */
export function deviceTypeFromContext(type: string | undefined): DeviceType | undefined {
  if (!type) return undefined;
  const t = type.toLowerCase();
  if (t === 'desktop' || t === 'mobile' || t === 'tablet' || t === 'pos' || t === 'other') return t;
  if (t === 'ios' || t === 'android' || t === 'phone') return 'mobile';
  if (t === 'ipad') return 'tablet';
  if (t === 'kiosk' || t === 'terminal') return 'pos';
  return undefined;
}
