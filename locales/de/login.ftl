login-title = Anmelden
login-failed = Benutzername oder Passwort ist falsch.
login-username = Benutzername
login-password = Passwort
login-submit = Anmelden
