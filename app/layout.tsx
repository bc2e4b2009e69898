import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Nav } from "@/components/shell/nav";
import { ApiProvider } from "@/components/trpc";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Isobar", template: "%s · Isobar" },
  description: "Open workbench for machine-learning weather forecasting",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <ApiProvider>
          <div className="shell">
            <Nav />
            <main className="content">{children}</main>
          </div>
        </ApiProvider>
      </body>
    </html>
  );
}
