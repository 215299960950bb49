"""How the digest bench's users are spread over schedules and zones (no Django: the bench's own process reads it)."""

# Where the readers are: east and west of UTC, a half-hour zone, both hemispheres' summer times.
ZONES = ("Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles", "America/Sao_Paulo",
         "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Africa/Lagos", "")  # "": the server's (UTC)
# (share, every): hourly is what every user had before schedules; most who choose, choose a morning.
SCHEDULES = ((0.30, "hourly"), (0.45, "daily"), (0.20, "weekly"), (0.05, "off"))
MORNING = 8  # half the daily and weekly ones are at 08:00 local, the rest at any hour
