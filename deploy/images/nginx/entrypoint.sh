#!/bin/sh
# nginx in the foreground: writes its configuration from the template, and a self-signed certificate
# when /etc/nginx/certs has none (mount Let's Encrypt's fullchain.pem and privkey.pem there instead).
set -eu
name="${QA_ARENA_SERVER_NAME:-localhost}"
upstream="${QA_ARENA_HUB_UPSTREAM:-hub:8000}"
certs=/etc/nginx/certs

if [ ! -s "$certs/fullchain.pem" ] || [ ! -s "$certs/privkey.pem" ]; then
    echo "[qa-arena nginx] no certificate in $certs: making a self-signed one for $name" >&2
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$name" \
        -addext "subjectAltName=DNS:$name" \
        -keyout "$certs/privkey.pem" -out "$certs/fullchain.pem" 2>/dev/null
    chmod 0600 "$certs/privkey.pem"
fi
sed -e "s|__SERVER_NAME__|$name|g" -e "s|__HUB_UPSTREAM__|$upstream|g" \
    /etc/nginx/qa-arena.conf.template >/etc/nginx/nginx.conf
nginx -t -q
exec nginx -g "daemon off;"
