"""``acr-scan probe``: the data-plane health check from the machine the scan runs on.

For each registry four steps run in order, each ending in a :class:`~scanner.probe.model.StepResult`
(``ok``, ``fail``, ``unknown`` or ``skipped``, with the cause and the fix): DNS
(:mod:`.dns_step`), TLS (:mod:`.tls_step`), the ``/v2/`` challenge (:mod:`.challenge_step`) and
the token exchange (:mod:`.token_step`). With a snapshot, :mod:`.targets` says what the control
plane expects (private endpoint addresses, public access, data endpoints) and :mod:`.predict`
what the pull-path rules predict for the runner's VNet, so a disagreement reads as drift or
custom DNS. :mod:`.runner` runs registries concurrently; :mod:`.formats` and :mod:`.sarif`
render the report. docs/probe.md is the user's guide.

This layer sits above the reports (it reuses their terminal escaping and SARIF constants) and
below the CLI.
"""
