"""The whole journey of two participants through the UI, in Chromium (issue 10).

(Named ``journey``, not ``browser``: a ``core/tests/browser/`` package would shadow the shared
``core/tests/browser.py`` helpers.)"""
