"""Sign-in with the company account: OpenID Connect through django-allauth.

- ``config``: the provider as the environment describes it;
- ``provider``: allauth's openid_connect provider with the checks it lacks
  (nonce, the discovery document's issuer, the ID token's signature always);
- ``claims``: the directory's claims as a row of the staff import, validated
  and written by portal.staff_import;
- ``adapter``: allauth's hooks: the sign-in creates or updates the person;
- ``views``: the login page, break-glass, the provider's routes, logout.
"""
