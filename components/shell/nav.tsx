"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

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

export function Nav() {
  const pathname = usePathname();
  return (
    <nav className="nav" aria-label="Main">
      <Link href="/" className="brand">
        Isobar
      </Link>
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
          return (
            <li key={item.href}>
              <Link href={item.href} aria-current={active ? "page" : undefined} className={active ? "active" : undefined}>
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
