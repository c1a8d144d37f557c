/** Masks a citizen's number for logs and agent screens: only the last 4 digits stay visible. */
export function maskPhone(number: string | undefined | null): string {
  if (!number) return '';
  const visible = number.slice(-4);
  return '*'.repeat(Math.max(0, number.length - 4)) + visible;
}
