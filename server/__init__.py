"""nam-web companion server: serves the browser player (web/) and, via routers, training."""
