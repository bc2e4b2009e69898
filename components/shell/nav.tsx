"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";

/** The dashboard's areas. Each capability adds its link here when its pages exist. */
export const NAV_ITEMS = [
  { href: "/", label: "Overview" },
  { href: "/datasets", label: "Datasets" },
  { href: "/runs", label: "Runs" },
  { href: "/compare", label: "Compare" },
  { href: "/train", label: "Train" },
  { href: "/forecasts", label: "Forecasts" },
  { href: "/scorecards", label: "Scorecards" },
  { href: "/maps", label: "Maps" },
  { href: "/jobs", label: "Jobs" },
  { href: "/system", label: "System" },
] as const;

/**
 * The navigation prefetches a page when the pointer or the focus reaches its link, not when the
 * link is drawn: the bar is on every page, and viewport prefetching made each page load fetch and
 * evaluate the code of all ten areas while the page itself was starting (on the maps page that
 * competed with the first frame of the field).
 */
export function Nav() {
  const pathname = usePathname();
  const router = useRouter();
  const prefetchOnIntent = (href: string) => ({ prefetch: false, onMouseEnter: () => router.prefetch(href), onFocus: () => router.prefetch(href) });
  return (
    <nav className="nav" aria-label="Main">
      <Link href="/" className="brand" {...prefetchOnIntent("/")}>
        Isobar
      </Link>
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
          return (
            <li key={item.href}>
              <Link href={item.href} {...prefetchOnIntent(item.href)} aria-current={active ? "page" : undefined} className={active ? "active" : undefined}>
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
