#pragma once

#include <string>
#include <vector>

#include "images/image_service.hpp"
#include "messages/build_request.hpp"
#include "messages/image.hpp"

// Nova's ComputeManager._rotate_backups, run by an image worker after a
// createBackup's upload: the instance's backups of one type, newest first,
// and the ones beyond the rotation deleted.
namespace vmforge {

/// The ids of the images to delete: of `images`, the backups (image_type
/// backup) of `instance_id` and `rotation.type`, newest first by
/// created_at (`new_image_id`, just uploaded, newest of all), past the
/// first `rotation.keep`.
std::vector<std::string> backups_beyond(const std::vector<image>& images,
                                        const std::string& instance_id,
                                        const std::string& new_image_id,
                                        const backup_rotation& rotation);

/// Lists the images `auth` sees, deletes what backups_beyond names (an
/// image gone meanwhile is no failure) and answers the ids deleted. A
/// failed delete is logged and the others still go (Nova deletes them one
/// by one); a failed list throws images::image_error.
std::vector<std::string> rotate_backups(images::image_service& svc,
                                        const image_auth& auth,
                                        const std::string& instance_id,
                                        const std::string& new_image_id,
                                        const backup_rotation& rotation);

} // namespace vmforge
