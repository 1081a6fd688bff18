"""Operations run against a build or a deployment: the deployment smoke test, the release evidence, the goldset regression run."""
