"""A stand-in service: reads its credentials from the environment like most
programs do, reports that it has them (lengths only), then serves until stdin closes."""
import os
import sys

password = os.environ["DB_PASSWORD"]
token = os.environ["STRIPE_API_KEY"]
print(f"app: got DB_PASSWORD ({len(password)} chars) and STRIPE_API_KEY ({len(token)} chars)",
      flush=True)
print("ready", flush=True)
sys.stdin.read()
