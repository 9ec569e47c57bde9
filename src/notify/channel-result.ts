/** One channel's answer to a test message (`upkeep notify test`, POST /api/v1/notify/test). */
export interface ChannelResult {
  channel: string;
  /** The target with any secret cut out (a URL's path, a password). */
  target: string;
  ok: boolean;
  ms: number;
  error: string | null;
  /** The delivery id the far end saw (Upkeep-Delivery header, Message-ID). */
  id: string;
}
