/** The API key travels in the query string; nothing that reaches a log or an error may carry it. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]apikey=)[^&#\s]*/gi, '$1***');
}

/** Removes a known secret from free text (error messages that echo the URL). */
export function redactText(text: string, secret?: string): string {
  const out = redactUrl(text);
  return secret && secret.length >= 4 ? out.split(secret).join('***') : out;
}
