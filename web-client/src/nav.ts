/** Links between the pages keep the query string, which carries the endpoint configuration. */
export function keepQueryInNav(): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[href]')) {
    const url = new URL(link.href)
    url.search = location.search
    link.href = url.href
  }
}
