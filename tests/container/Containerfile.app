# An application image as users write one: their base image, their program.
# BASE is the ready envseal base (or, for the control image, plain Debian slim).
ARG BASE
FROM ${BASE}
COPY app.py /app/app.py
WORKDIR /app
CMD ["python3", "/app/app.py"]
