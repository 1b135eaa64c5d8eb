login-title = Log ind
login-failed = Forkert brugernavn eller adgangskode.
login-username = Brugernavn
login-password = Adgangskode
login-submit = Log ind
